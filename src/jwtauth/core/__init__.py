"""The token core: pure Python, no Django, no DRF.

Everything here receives its configuration as arguments; only ``jwtauth.web`` and
``jwtauth.store`` read Django settings.
"""
