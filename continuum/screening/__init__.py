"""Screening: instruments as data (FHIR Questionnaire), screenings, immediate safety."""
