"""The local web application for reviewing aligned pairs."""
