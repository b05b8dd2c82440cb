profile tests/cases/drift/ref.profile tests/cases/drift/ref.profile
