"""The bottom of the house: the campaign as its file describes it (spec: the pydantic campaign spec and its
validation) and the value types every floor passes around (values: CompletionFact, VisitRecord,
PERSON_FIELDS, the training's session and attendance rows). Importable by every module; imports only
models.campaign.* and third-party libraries (pydantic), no database and no other floor.
"""
