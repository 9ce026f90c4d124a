"""The publish layer: dumps, CSV tables, the VoID/DCAT description and entity descriptions, made from a
build's dataset. Depends on ``mediakg.questions`` and below."""
