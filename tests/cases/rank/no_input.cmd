rank --onset 1
