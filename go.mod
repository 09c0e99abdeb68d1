module github.com/rules-heads/rules_heads

go 1.24

require (
	github.com/klauspost/compress v1.18.0 // indirect
	github.com/ulikunitz/xz v0.5.15
)
