"""The participant's claim pages (the back-office is in `claims/admin.py`)."""
