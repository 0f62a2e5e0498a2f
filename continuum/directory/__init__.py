"""The resource directory (issue #7): services, locations and capacity, spoken as Open
Referral HSDS 3.1, with Open Eligibility as the default taxonomy."""
