"""Targeting: status reasoning per person and violation detectors over their records."""
