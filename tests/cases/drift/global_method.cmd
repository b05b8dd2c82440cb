drift --method wasserstein --reference tests/cases/drift/ref.profile tests/cases/drift/shift.csv
