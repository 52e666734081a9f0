"""The load benchmark: generated tickets at an offered rate through the local stack, and its floor."""
