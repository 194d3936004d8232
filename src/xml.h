/* xml.h -- XML output for the AWS query protocol, driven by the output shape. */
#ifndef SW_XML_H
#define SW_XML_H
#include "buf.h"
#include "model.h"
#include "value.h"

/* Appends s with &, <, >, " and ' escaped (and control characters as numeric references). */
void sw_xml_escape(sw_buf *b, const char *s, size_t n);
/* Appends the members of the structure v as child elements: lists as <member>, maps as
 * <entry><key/><value/></entry>, times as ISO 8601. shape may be NULL (then maps are structures). */
void sw_xml_encode_members(sw_buf *b, const sw_shape *shape, const sw_value *v);

#endif
