/* model_blob.S -- embeds the trimmed CloudWatch service model (models/cloudwatch.json) in the binary. */
    .section .rodata
    .global sw_model_cloudwatch
    .global sw_model_cloudwatch_end
    .balign 16
sw_model_cloudwatch:
    .incbin "models/cloudwatch.json"
sw_model_cloudwatch_end:
    .byte 0
    .section .note.GNU-stack,"",@progbits
