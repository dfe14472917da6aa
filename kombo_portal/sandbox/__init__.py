"""A local Kombo: the API, the Connect flow page and signed webhooks, offline.

Active when KOMBO_API_KEY is not set; never mounted with a real key.
"""
