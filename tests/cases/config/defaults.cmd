config defaults
