"""Personal identity data: resident ID numbers (GB 11643-1999) normalised, validated, converted from 15 digits
and packed into int64 keys (idnumber), and the masking that keeps ID and phone numbers out of notices, logs and
reports (masking). Pure and at the bottom of tasks/: it imports no other room, nor models.
"""
