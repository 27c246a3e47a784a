module github.com/DataDog/datadog-agent/rtloader/go

go 1.19
