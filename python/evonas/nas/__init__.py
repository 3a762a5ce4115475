"""Neural architecture search: genomes that decode to PyTorch models.

Importing this package is cheap; torch is imported by the modules that need it.
"""
