config frobnicate
