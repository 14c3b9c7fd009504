/*
 * flowops data plane for BMv2 simple_switch_grpc (v1model).
 *
 * Same tables, actions, names and ids as flowops_tna.p4 (see README.md): every
 * P4Runtime-visible object is pinned with an absolute @name and a full @id, so
 * p4c's generated names and hashed ids never leak into the controller. Sizes are
 * large because BMv2 keeps tables on the heap; the Tofino program is sized to
 * the chip instead.
 */
#include <core.p4>
#include <v1model.p4>
#include "include/headers.p4"

/* v1model's colour encoding for meter results: 0 green, 1 yellow, 2 red. */
const bit<8> METER_COLOR_RED = 2;

parser FlowopsParser(packet_in pkt, out headers_t hdr, inout metadata_t meta,
                     inout standard_metadata_t std_md) {
    state start {
        meta.tenant_id = 0;
        meta.src_service = 0;
        meta.dst_service = 0;
        meta.flow_id = 0;
        meta.vlan_id = 0;
        meta.ip_proto = 0;
        meta.l4_src_port = 0;
        meta.l4_dst_port = 0;
        meta.qid = 0;
        meta.color = 0;
        meta.drop = 0;
        transition parse_ethernet;
    }
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
        meta.ip_proto = hdr.ipv4.protocol;
        /* L4 ports only from unfragmented, option-less packets; anything else
           classifies with port 0, which no TCP/UDP flow allows. */
        transition select(hdr.ipv4.ihl, hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (4w5, 13w0, IP_PROTO_TCP): parse_tcp;
            (4w5, 13w0, IP_PROTO_UDP): parse_udp;
            default: accept;
        }
    }
    state parse_ipv6 {
        pkt.extract(hdr.ipv6);
        meta.ip_proto = hdr.ipv6.next_hdr;
        transition select(hdr.ipv6.next_hdr) {
            IP_PROTO_TCP: parse_tcp;
            IP_PROTO_UDP: parse_udp;
            default: accept;
        }
    }
    state parse_tcp {
        pkt.extract(hdr.tcp);
        meta.l4_src_port = hdr.tcp.src_port;
        meta.l4_dst_port = hdr.tcp.dst_port;
        transition accept;
    }
    state parse_udp {
        pkt.extract(hdr.udp);
        meta.l4_src_port = hdr.udp.src_port;
        meta.l4_dst_port = hdr.udp.dst_port;
        transition select(hdr.udp.dst_port) {
            UDP_PORT_VXLAN: parse_vxlan;
            default: accept;
        }
    }
    state parse_vxlan {
        pkt.extract(hdr.vxlan);
        transition accept;
    }
}

control FlowopsVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control FlowopsIngress(inout headers_t hdr, inout metadata_t meta,
                       inout standard_metadata_t std_md) {

    @name(".ingress.flow_counter") @id(0x13000401)
    direct_counter(CounterType.packets_and_bytes) flow_counter;

    @name(".ingress.flow_meter") @id(0x15000401)
    direct_meter<bit<8>>(MeterType.bytes) flow_meter;

    /* Weighted NF steering: a group per flow, a member per NF instance. */
    @name(".ingress.nf_selector") @id(0x11000501) @max_group_size(64)
    action_selector(HashAlgorithm.crc16, 32w65536, 32w16) nf_selector;

    @name(".ingress.drop") @id(0x01000001)
    action drop() {
        meta.drop = 1;
        mark_to_drop(std_md);
    }

    /* Service lookups that miss leave the service at 0, set by the parser. */
    @name(".ingress.no_match") @id(0x01000002)
    action no_match() { }

    @name(".ingress.set_tenant") @id(0x01000101)
    action set_tenant(bit<16> tenant_id) {
        meta.tenant_id = tenant_id;
    }

    @name(".ingress.set_src_service") @id(0x01000201)
    action set_src_service(bit<16> service_id) {
        meta.src_service = service_id;
    }

    @name(".ingress.set_dst_service") @id(0x01000202)
    action set_dst_service(bit<16> service_id) {
        meta.dst_service = service_id;
    }

    @name(".ingress.set_flow") @id(0x01000301)
    action set_flow(bit<32> flow_id) {
        meta.flow_id = flow_id;
    }

    /* v1model has no queue id: qid rides in metadata (a priority-queue build of
       simple_switch could map it); the meter colour decides the drop. */
    @name(".ingress.allow") @id(0x01000401)
    action allow(bit<5> qid) {
        meta.qid = qid;
        flow_meter.read(meta.color);
    }

    @name(".ingress.to_nf") @id(0x01000501)
    action to_nf(bit<9> port, bit<48> dmac) {
        std_md.egress_spec = port;
        hdr.ethernet.dst_addr = dmac;
    }

    @name(".ingress.forward") @id(0x01000601)
    action forward(bit<9> port, bit<48> dmac) {
        std_md.egress_spec = port;
        hdr.ethernet.dst_addr = dmac;
    }

    @name(".ingress.tenant_classify") @id(0x02000101)
    table tenant_classify {
        key = {
            std_md.ingress_port: exact @name("ingress_port");
            meta.vlan_id: exact @name("vlan_id");
        }
        actions = {
            set_tenant;
            drop;
        }
        default_action = drop();
        size = 65536;
    }

    @name(".ingress.tenant_classify_vni") @id(0x02000102)
    table tenant_classify_vni {
        key = {
            hdr.vxlan.vni: exact @name("vni");
        }
        actions = {
            set_tenant;
            drop;
        }
        default_action = drop();
        size = 65536;
    }

    @name(".ingress.src_service_v4") @id(0x02000201)
    table src_service_v4 {
        key = {
            meta.tenant_id: exact @name("tenant_id");
            hdr.ipv4.src_addr: lpm @name("src_addr");
        }
        actions = {
            set_src_service;
            no_match;
        }
        default_action = no_match();
        size = 65536;
    }

    @name(".ingress.dst_service_v4") @id(0x02000202)
    table dst_service_v4 {
        key = {
            meta.tenant_id: exact @name("tenant_id");
            hdr.ipv4.dst_addr: lpm @name("dst_addr");
        }
        actions = {
            set_dst_service;
            no_match;
        }
        default_action = no_match();
        size = 65536;
    }

    @name(".ingress.src_service_v6") @id(0x02000203)
    table src_service_v6 {
        key = {
            meta.tenant_id: exact @name("tenant_id");
            hdr.ipv6.src_addr: lpm @name("src_addr");
        }
        actions = {
            set_src_service;
            no_match;
        }
        default_action = no_match();
        size = 65536;
    }

    @name(".ingress.dst_service_v6") @id(0x02000204)
    table dst_service_v6 {
        key = {
            meta.tenant_id: exact @name("tenant_id");
            hdr.ipv6.dst_addr: lpm @name("dst_addr");
        }
        actions = {
            set_dst_service;
            no_match;
        }
        default_action = no_match();
        size = 65536;
    }

    @name(".ingress.flow_classify") @id(0x02000301)
    table flow_classify {
        key = {
            meta.tenant_id: exact @name("tenant_id");
            meta.src_service: exact @name("src_service");
            meta.dst_service: exact @name("dst_service");
            meta.ip_proto: exact @name("ip_proto");
            meta.l4_dst_port: exact @name("l4_dst_port");
        }
        actions = {
            set_flow;
            drop;
        }
        default_action = drop();
        size = 2097152;
    }

    @name(".ingress.flow_policy") @id(0x02000401)
    table flow_policy {
        key = {
            meta.flow_id: exact @name("flow_id");
        }
        actions = {
            allow;
            drop;
        }
        default_action = drop();
        counters = flow_counter;
        meters = flow_meter;
        size = 262144;
    }

    @name(".ingress.nf_steer") @id(0x02000501)
    table nf_steer {
        key = {
            meta.flow_id: exact @name("flow_id");
            /* Hash inputs for member selection; not P4Runtime match fields. */
            meta.ip_proto: selector;
            meta.l4_src_port: selector;
            meta.l4_dst_port: selector;
            hdr.ipv4.src_addr: selector;
            hdr.ipv4.dst_addr: selector;
            hdr.ipv6.src_addr: selector;
            hdr.ipv6.dst_addr: selector;
        }
        actions = {
            to_nf;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        implementation = nf_selector;
        size = 65536;
    }

    @name(".ingress.tenant_route_v4") @id(0x02000601)
    table tenant_route_v4 {
        key = {
            meta.tenant_id: exact @name("tenant_id");
            hdr.ipv4.dst_addr: lpm @name("dst_addr");
        }
        actions = {
            forward;
            drop;
        }
        default_action = drop();
        size = 65536;
    }

    @name(".ingress.tenant_route_v6") @id(0x02000602)
    table tenant_route_v6 {
        key = {
            meta.tenant_id: exact @name("tenant_id");
            hdr.ipv6.dst_addr: lpm @name("dst_addr");
        }
        actions = {
            forward;
            drop;
        }
        default_action = drop();
        size = 65536;
    }

    apply {
        if (hdr.vxlan.isValid()) {
            tenant_classify_vni.apply();
        } else {
            tenant_classify.apply();
        }
        if (meta.drop == 0) {
            if (hdr.ipv4.isValid()) {
                src_service_v4.apply();
                dst_service_v4.apply();
            } else if (hdr.ipv6.isValid()) {
                src_service_v6.apply();
                dst_service_v6.apply();
            }
            flow_classify.apply();
        }
        if (meta.drop == 0) {
            flow_policy.apply();
            if (meta.color == METER_COLOR_RED) {
                drop();
            }
        }
        if (meta.drop == 0) {
            if (!nf_steer.apply().hit) {
                if (hdr.ipv4.isValid()) {
                    tenant_route_v4.apply();
                } else if (hdr.ipv6.isValid()) {
                    tenant_route_v6.apply();
                } else {
                    drop();
                }
            }
        }
    }
}

control FlowopsEgress(inout headers_t hdr, inout metadata_t meta,
                      inout standard_metadata_t std_md) {
    apply { }
}

/* Only the destination MAC is rewritten, so no checksum changes. */
control FlowopsComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control FlowopsDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.vlan);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.ipv6);
        pkt.emit(hdr.tcp);
        pkt.emit(hdr.udp);
        pkt.emit(hdr.vxlan);
    }
}

V1Switch(FlowopsParser(), FlowopsVerifyChecksum(), FlowopsIngress(), FlowopsEgress(),
         FlowopsComputeChecksum(), FlowopsDeparser()) main;
