"""Generated documents: legal forms, notices and reports, rendered as PDF with WeasyPrint."""
