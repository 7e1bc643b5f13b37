"""Sample objects for the URL × role test. Each app adds what its URLs need, under its own key."""


def build_samples(entities) -> dict:
    samples = {"entities": entities}
    return samples
