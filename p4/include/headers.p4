/*
 * Headers and metadata shared by flowops_v1model.p4 and flowops_tna.p4.
 *
 * Parsed: Ethernet, one 802.1Q tag, IPv4 or IPv6, TCP, UDP or ESP (IP protocol
 * 50, or UDP 4500 NAT-T); VXLAN on UDP 4789 and, below it, the inner Ethernet,
 * IPv4/IPv6 and TCP/UDP/ESP. A VXLAN packet's tenant comes from the underlay
 * port it arrived on and its VNI; services, flows and routes use the INNER
 * headers (see parser.p4 and keys.p4).
 *
 * Field names are the P4Runtime-facing ones where a field is a table key, so a
 * key element reads `meta.tenant_id: exact @name("tenant_id")`.
 */
#ifndef FLOWOPS_HEADERS_P4
#define FLOWOPS_HEADERS_P4

const bit<16> ETHERTYPE_VLAN = 0x8100;
const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<16> ETHERTYPE_IPV6 = 0x86dd;
const bit<8>  IP_PROTO_TCP   = 6;
const bit<8>  IP_PROTO_UDP   = 17;
const bit<8>  IP_PROTO_ESP   = 50;
const bit<16> UDP_PORT_VXLAN = 4789;
const bit<16> UDP_PORT_NATT  = 4500;

header ethernet_h {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header vlan_h {
    bit<3>  pcp;
    bit<1>  dei;
    bit<12> vid;
    bit<16> ether_type;
}

header ipv4_h {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  diffserv;
    bit<16> total_len;
    bit<16> identification;
    bit<3>  flags;
    bit<13> frag_offset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdr_checksum;
    bit<32> src_addr;
    bit<32> dst_addr;
}

header ipv6_h {
    bit<4>   version;
    bit<8>   traffic_class;
    bit<20>  flow_label;
    bit<16>  payload_len;
    bit<8>   next_hdr;
    bit<8>   hop_limit;
    bit<128> src_addr;
    bit<128> dst_addr;
}

header tcp_h {
    bit<16> src_port;
    bit<16> dst_port;
    bit<32> seq_no;
    bit<32> ack_no;
    bit<4>  data_offset;
    bit<4>  res;
    bit<8>  flags;
    bit<16> window;
    bit<16> checksum;
    bit<16> urgent_ptr;
}

header udp_h {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

header vxlan_h {
    bit<8>  flags;
    bit<24> reserved;
    bit<24> vni;
    bit<8>  reserved2;
}

/* RFC 4303. Behind UDP 4500 (RFC 3948) an SPI of 0 is the non-ESP marker of
   IKE: such a packet stays UDP. */
header esp_h {
    bit<32> spi;
    bit<32> seq_no;
}

/* TNA only: ingress → egress, the tenant for the egress tenant meter. */
header bridge_h {
    bit<16> tenant_id;
}

/*
 * `bridge` (TNA's ingress → egress header, never on the wire), then the outer headers, then the inner ones of a VXLAN packet; `esp` is the one
 * ESP header, outer or inner, and comes last, so emitting the struct in order
 * rebuilds the packet.
 */
struct headers_t {
    bridge_h   bridge;
    ethernet_h ethernet;
    vlan_h     vlan;
    ipv4_h     ipv4;
    ipv6_h     ipv6;
    tcp_h      tcp;
    udp_h      udp;
    vxlan_h    vxlan;
    ethernet_h inner_ethernet;
    ipv4_h     inner_ipv4;
    ipv6_h     inner_ipv6;
    tcp_h      inner_tcp;
    udp_h      inner_udp;
    esp_h      esp;
}

/*
 * Everything a later table matches on is copied here (keys.p4), from the
 * inner headers of a VXLAN packet and the outer ones otherwise, so a key never
 * reads a header that may be invalid and both architectures see the same
 * values. Tofino does not zero metadata, so every field is set.
 */
struct metadata_t {
    bit<16>  tenant_id;
    bit<16>  src_service;
    bit<16>  dst_service;
    bit<32>  flow_id;
    bit<12>  vlan_id;
    bit<24>  vni;
    bit<8>   ip_proto;
    bit<16>  l4_src_port;
    bit<16>  l4_dst_port;
    bit<32>  spi;
    bit<32>  ipv4_src;
    bit<32>  ipv4_dst;
    bit<128> ipv6_src;
    bit<128> ipv6_dst;
    bit<1>   is_ipv4;
    bit<1>   is_ipv6;
    bit<1>   routed;
    bit<5>   qid;
    bit<8>   color;
    bit<1>   drop;
}

#endif
