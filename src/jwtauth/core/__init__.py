"""The token core: pure Python, no Django, no DRF.

Everything here receives its configuration as arguments; only ``jwtauth.api`` and
``jwtauth.sessions`` read Django settings.
"""
