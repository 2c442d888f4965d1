module github.com/u2takey/ffmpeg-go

go 1.16

require github.com/u2takey/go-utils v0.3.1
