"""Cases: an accepted lead followed through the enforcement lifecycle, one decision at a time."""
