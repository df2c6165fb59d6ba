"""Date formats for the admin (English): ISO-like, with the time zone named.

Stored timestamps are UTC and the site's TIME_ZONE is UTC, so `T` prints
"UTC"; a reader in another zone sees which zone a time is in. Sortable
year-month-day reads the same in every locale.
"""

DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
