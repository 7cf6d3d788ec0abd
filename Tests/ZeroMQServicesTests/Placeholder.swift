// The tests of ZeroMQServices compile with the `Services` trait only
// (`swift test --traits Services`, as `make test` runs them).
