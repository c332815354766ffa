"""What the code knows of Chinese and English: characters and tokens, question words, numbers and
dates, cue phrases, "two points say the same thing", and the phrases answers are written with."""
