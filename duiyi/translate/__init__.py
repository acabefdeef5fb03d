"""Machine translation over Argos Translate model packages (and the dictionary gloss fallback)."""
