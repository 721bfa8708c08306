"""The headless command line: `python main.py train|devices|--selftest`. No Qt here."""
