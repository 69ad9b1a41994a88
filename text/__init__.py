"""Text utilities below the data contract: folding and locating quotes, sentences, money, dates, names.

Nothing here knows about records or models; `eightk.schemas` builds on it.
"""
