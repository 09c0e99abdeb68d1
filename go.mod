module github.com/rules-heads/rules_heads

go 1.24
