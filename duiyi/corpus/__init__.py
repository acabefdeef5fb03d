"""The corpus model and the stages that build it: read, clean, normalize, split, tokenize, store."""
