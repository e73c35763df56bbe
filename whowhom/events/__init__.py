"""Event coding: the CAMEO/PLOVER ontology and the rules that map text to events."""
