"""The build folder: one object that owns its layout and its fingerprint."""
