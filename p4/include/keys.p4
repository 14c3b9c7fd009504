/*
 * The classification keys of a packet, in metadata: from the inner headers of
 * a VXLAN packet (its tenant is the VNI's, on an underlay port), from the outer
 * ones otherwise. ESP, directly or behind UDP 4500 with a non-zero SPI, is
 * protocol 50 with port 0 and its SPI (the NF selector hashes on it, so one SA
 * stays on one IPsec instance). Each field is written on one branch only:
 * Tofino then places all of it in the first stage, beside tenant
 * classification.
 */
control FlowopsKeys(in headers_t hdr, inout metadata_t meta) {
    apply {
        if (hdr.vxlan.isValid()) {
            meta.vni = hdr.vxlan.vni;
        } else {
            meta.vni = 0;
        }

        if (hdr.inner_ipv4.isValid()) {
            meta.is_ipv4 = 1; meta.is_ipv6 = 0;
            meta.ipv4_src = hdr.inner_ipv4.src_addr; meta.ipv4_dst = hdr.inner_ipv4.dst_addr;
        } else if (hdr.inner_ipv6.isValid()) {
            meta.is_ipv4 = 0; meta.is_ipv6 = 1;
            meta.ipv6_src = hdr.inner_ipv6.src_addr; meta.ipv6_dst = hdr.inner_ipv6.dst_addr;
        } else if (hdr.vxlan.isValid()) {
            meta.is_ipv4 = 0; meta.is_ipv6 = 0;
        } else if (hdr.ipv4.isValid()) {
            meta.is_ipv4 = 1; meta.is_ipv6 = 0;
            meta.ipv4_src = hdr.ipv4.src_addr; meta.ipv4_dst = hdr.ipv4.dst_addr;
        } else if (hdr.ipv6.isValid()) {
            meta.is_ipv4 = 0; meta.is_ipv6 = 1;
            meta.ipv6_src = hdr.ipv6.src_addr; meta.ipv6_dst = hdr.ipv6.dst_addr;
        } else {
            meta.is_ipv4 = 0; meta.is_ipv6 = 0;
        }

        if (hdr.esp.isValid() && hdr.esp.spi != 0) {
            meta.ip_proto = IP_PROTO_ESP;
            meta.spi = hdr.esp.spi;
            meta.l4_src_port = 0; meta.l4_dst_port = 0;
        } else if (hdr.inner_tcp.isValid()) {
            meta.ip_proto = IP_PROTO_TCP; meta.spi = 0;
            meta.l4_src_port = hdr.inner_tcp.src_port; meta.l4_dst_port = hdr.inner_tcp.dst_port;
        } else if (hdr.inner_udp.isValid()) {
            meta.ip_proto = IP_PROTO_UDP; meta.spi = 0;
            meta.l4_src_port = hdr.inner_udp.src_port; meta.l4_dst_port = hdr.inner_udp.dst_port;
        } else if (hdr.inner_ipv4.isValid()) {
            meta.ip_proto = hdr.inner_ipv4.protocol; meta.spi = 0;
            meta.l4_src_port = 0; meta.l4_dst_port = 0;
        } else if (hdr.inner_ipv6.isValid()) {
            meta.ip_proto = hdr.inner_ipv6.next_hdr; meta.spi = 0;
            meta.l4_src_port = 0; meta.l4_dst_port = 0;
        } else if (hdr.vxlan.isValid()) {
            meta.ip_proto = 0; meta.spi = 0;
            meta.l4_src_port = 0; meta.l4_dst_port = 0;
        } else if (hdr.tcp.isValid()) {
            meta.ip_proto = IP_PROTO_TCP; meta.spi = 0;
            meta.l4_src_port = hdr.tcp.src_port; meta.l4_dst_port = hdr.tcp.dst_port;
        } else if (hdr.udp.isValid()) {
            meta.ip_proto = IP_PROTO_UDP; meta.spi = 0;
            meta.l4_src_port = hdr.udp.src_port; meta.l4_dst_port = hdr.udp.dst_port;
        } else if (hdr.ipv4.isValid()) {
            meta.ip_proto = hdr.ipv4.protocol; meta.spi = 0;
            meta.l4_src_port = 0; meta.l4_dst_port = 0;
        } else if (hdr.ipv6.isValid()) {
            meta.ip_proto = hdr.ipv6.next_hdr; meta.spi = 0;
            meta.l4_src_port = 0; meta.l4_dst_port = 0;
        } else {
            meta.ip_proto = 0; meta.spi = 0;
            meta.l4_src_port = 0; meta.l4_dst_port = 0;
        }
    }
}
