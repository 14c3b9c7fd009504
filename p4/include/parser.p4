/*
 * Parser states shared by both programs: #included inside each program's
 * ingress parser after its own `start` state (which sets every metadata field
 * and transitions to parse_ethernet).
 *
 * Outer: Ethernet, one 802.1Q tag, IPv4/IPv6, then TCP, UDP or ESP. UDP 4789
 * is VXLAN: the inner Ethernet, IPv4/IPv6 and TCP/UDP/ESP follow. UDP 4500 is
 * NAT-T: the next 32 bits are an SPI (ESP) or 0 (IKE), told apart in keys.p4.
 * L4 headers only from unfragmented, option-less IPv4 packets; anything else
 * classifies with port 0, which no TCP/UDP flow allows.
 */
    state parse_ethernet {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_VLAN: parse_vlan;
            ETHERTYPE_IPV4: parse_ipv4;
            ETHERTYPE_IPV6: parse_ipv6;
            default: accept;
        }
    }
    state parse_vlan {
        pkt.extract(hdr.vlan);
        meta.vlan_id = hdr.vlan.vid;
        transition select(hdr.vlan.ether_type) {
            ETHERTYPE_IPV4: parse_ipv4;
            ETHERTYPE_IPV6: parse_ipv6;
            default: accept;
        }
    }
    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        transition select(hdr.ipv4.ihl, hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (4w5, 13w0, IP_PROTO_TCP): parse_tcp;
            (4w5, 13w0, IP_PROTO_UDP): parse_udp;
            (4w5, 13w0, IP_PROTO_ESP): parse_esp;
            default: accept;
        }
    }
    state parse_ipv6 {
        pkt.extract(hdr.ipv6);
        transition select(hdr.ipv6.next_hdr) {
            IP_PROTO_TCP: parse_tcp;
            IP_PROTO_UDP: parse_udp;
            IP_PROTO_ESP: parse_esp;
            default: accept;
        }
    }
    state parse_tcp {
        pkt.extract(hdr.tcp);
        transition accept;
    }
    state parse_udp {
        pkt.extract(hdr.udp);
        transition select(hdr.udp.dst_port) {
            UDP_PORT_VXLAN: parse_vxlan;
            UDP_PORT_NATT: parse_esp;
            default: accept;
        }
    }
    state parse_esp {
        pkt.extract(hdr.esp);
        transition accept;
    }
    state parse_vxlan {
        pkt.extract(hdr.vxlan);
        transition parse_inner_ethernet;
    }
    state parse_inner_ethernet {
        pkt.extract(hdr.inner_ethernet);
        transition select(hdr.inner_ethernet.ether_type) {
            ETHERTYPE_IPV4: parse_inner_ipv4;
            ETHERTYPE_IPV6: parse_inner_ipv6;
            default: accept;
        }
    }
    state parse_inner_ipv4 {
        pkt.extract(hdr.inner_ipv4);
        transition select(hdr.inner_ipv4.ihl, hdr.inner_ipv4.frag_offset, hdr.inner_ipv4.protocol) {
            (4w5, 13w0, IP_PROTO_TCP): parse_inner_tcp;
            (4w5, 13w0, IP_PROTO_UDP): parse_inner_udp;
            (4w5, 13w0, IP_PROTO_ESP): parse_esp;
            default: accept;
        }
    }
    state parse_inner_ipv6 {
        pkt.extract(hdr.inner_ipv6);
        transition select(hdr.inner_ipv6.next_hdr) {
            IP_PROTO_TCP: parse_inner_tcp;
            IP_PROTO_UDP: parse_inner_udp;
            IP_PROTO_ESP: parse_esp;
            default: accept;
        }
    }
    state parse_inner_tcp {
        pkt.extract(hdr.inner_tcp);
        transition accept;
    }
    state parse_inner_udp {
        pkt.extract(hdr.inner_udp);
        transition select(hdr.inner_udp.dst_port) {
            UDP_PORT_NATT: parse_esp;
            default: accept;
        }
    }
