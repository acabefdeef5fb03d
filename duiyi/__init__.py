"""duiyi (对译): offline Chinese→English drafts and parallel corpora.

Importing the package loads no model; heavy pieces are imported where they are used.
"""

__version__ = "0.1.0"
