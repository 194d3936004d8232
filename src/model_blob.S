/* model_blob.S -- embeds the trimmed service models (models/*.json) in the binary. */
    .section .rodata
    .balign 16
    .global sw_model_cloudwatch
    .global sw_model_cloudwatch_end
sw_model_cloudwatch:
    .incbin "models/cloudwatch.json"
sw_model_cloudwatch_end:
    .byte 0
    .balign 16
    .global sw_model_logs
    .global sw_model_logs_end
sw_model_logs:
    .incbin "models/logs.json"
sw_model_logs_end:
    .byte 0
    .balign 16
    .global sw_model_sns
    .global sw_model_sns_end
sw_model_sns:
    .incbin "models/sns.json"
sw_model_sns_end:
    .byte 0
    .section .note.GNU-stack,"",@progbits
