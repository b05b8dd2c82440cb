traces show 12345
