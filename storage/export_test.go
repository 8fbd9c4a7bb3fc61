package storage

// MapErrForTest exposes the error mapping to the external test package.
var MapErrForTest = mapErr
