module github.com/DataDog/datadog-agent/rtloader/test

go 1.19
