traces frobnicate
