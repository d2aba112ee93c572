"""Identity resolution: link each person's records across every source (issue 4)."""
