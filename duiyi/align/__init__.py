"""Sentence alignment (many-to-many beads with confidences) and its evaluation."""
