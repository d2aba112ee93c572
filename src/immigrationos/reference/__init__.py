"""Reference tables (ZIPs, ICE field offices and facilities) and offline geocoding."""
