"""Generated support tickets that look like real traffic: scenarios, customers, tones, composed descriptions,
mixes, and (optionally) a language model writing them."""
