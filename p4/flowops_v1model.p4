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
        meta.vni = 0;
        meta.ip_proto = 0;
        meta.l4_src_port = 0;
        meta.l4_dst_port = 0;
        meta.spi = 0;
        meta.ipv4_src = 0;
        meta.ipv4_dst = 0;
        meta.ipv6_src = 0;
        meta.ipv6_dst = 0;
        meta.is_ipv4 = 0;
        meta.is_ipv6 = 0;
        meta.routed = 0;
        meta.qid = 0;
        meta.color = 0;
        meta.drop = 0;
        transition parse_ethernet;
    }
#include "include/parser.p4"
}

#include "include/keys.p4"

control FlowopsVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control FlowopsIngress(inout headers_t hdr, inout metadata_t meta,
                       inout standard_metadata_t std_md) {

    @name(".ingress.flow_counter") @id(0x1363547c)
    direct_counter(CounterType.packets_and_bytes) flow_counter;

    @name(".ingress.flow_meter") @id(0x1578fc0a)
    direct_meter<bit<8>>(MeterType.bytes) flow_meter;

    /* Weighted NF steering: a group per flow, a member per NF instance. */
    @name(".ingress.nf_selector") @id(0x11757225) @max_group_size(64)
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
        meta.routed = 1;
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
            std_md.ingress_port: exact @name("ingress_port");
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
            meta.ipv4_src: lpm @name("src_addr");
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
            meta.ipv4_dst: lpm @name("dst_addr");
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
            meta.ipv6_src: lpm @name("src_addr");
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
            meta.ipv6_dst: lpm @name("dst_addr");
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
            @defaultonly no_match;
        }
        default_action = no_match();
        size = 2097152;
    }

    /* Port ranges: a prefix cover of each range (at most 30 ternary entries
       for a 16-bit range), looked up when no exact entry matched. */
    @name(".ingress.flow_classify_range") @id(0x02000302)
    table flow_classify_range {
        key = {
            meta.tenant_id: exact @name("tenant_id");
            meta.src_service: exact @name("src_service");
            meta.dst_service: exact @name("dst_service");
            meta.ip_proto: exact @name("ip_proto");
            meta.l4_dst_port: ternary @name("l4_dst_port");
        }
        actions = {
            set_flow;
            @defaultonly drop;
        }
        default_action = drop();
        size = 65536;
    }

    @name(".ingress.flow_policy") @id(0x02000401)
    table flow_policy {
        key = {
            meta.flow_id: exact @name("flow_id");
        }
        actions = {
            allow;
            @defaultonly drop;
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
            meta.spi: selector;
            meta.l4_src_port: selector;
            meta.l4_dst_port: selector;
            meta.ipv4_src: selector;
            meta.ipv4_dst: selector;
            meta.ipv6_src: selector;
            meta.ipv6_dst: selector;
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
            meta.ipv4_dst: lpm @name("dst_addr");
        }
        actions = {
            forward;
            @defaultonly no_match;
        }
        default_action = no_match();
        size = 65536;
    }

    @name(".ingress.tenant_route_v6") @id(0x02000602)
    table tenant_route_v6 {
        key = {
            meta.tenant_id: exact @name("tenant_id");
            meta.ipv6_dst: lpm @name("dst_addr");
        }
        actions = {
            forward;
            @defaultonly no_match;
        }
        default_action = no_match();
        size = 65536;
    }

    FlowopsKeys() keys;

    apply {
        keys.apply(hdr, meta);
        if (hdr.vxlan.isValid()) {
            tenant_classify_vni.apply();
        } else {
            tenant_classify.apply();
        }
        if (meta.drop == 0) {
            /* Routes depend only on the tenant and the address: looked up
               beside the services, and overridden by NF steering. */
            if (meta.is_ipv4 == 1) {
                src_service_v4.apply();
                dst_service_v4.apply();
                tenant_route_v4.apply();
            } else if (meta.is_ipv6 == 1) {
                src_service_v6.apply();
                dst_service_v6.apply();
                tenant_route_v6.apply();
            }
            if (!flow_classify.apply().hit) {
                flow_classify_range.apply();
            }
        }
        if (meta.drop == 0) {
            flow_policy.apply();
            bool steered = nf_steer.apply().hit;
            if (meta.color == METER_COLOR_RED || (!steered && meta.routed == 0)) {
                drop();
            }
        }
        /* A later action may have set egress_spec again after a drop. */
        if (meta.drop == 1) {
            mark_to_drop(std_md);
        }
    }
}

/* Per-tenant aggregate rate: one direct-metered entry per tenant with a
   rate; red drops. In egress, where both architectures have room. */
control FlowopsEgress(inout headers_t hdr, inout metadata_t meta,
                      inout standard_metadata_t std_md) {

    @name(".egress.tenant_meter") @id(0x151f0291)
    direct_meter<bit<8>>(MeterType.bytes) tenant_meter;

    @name(".egress.police") @id(0x01000701)
    action police() {
        tenant_meter.read(meta.color);
    }

    @name(".egress.tenant_rate") @id(0x02000701)
    table tenant_rate {
        key = {
            meta.tenant_id: exact @name("tenant_id");
        }
        actions = {
            police;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        meters = tenant_meter;
        size = 65536;
    }

    apply {
        meta.color = 0;
        tenant_rate.apply();
        if (meta.color == METER_COLOR_RED) {
            mark_to_drop(std_md);
        }
    }
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
        pkt.emit(hdr.inner_ethernet);
        pkt.emit(hdr.inner_ipv4);
        pkt.emit(hdr.inner_ipv6);
        pkt.emit(hdr.inner_tcp);
        pkt.emit(hdr.inner_udp);
        pkt.emit(hdr.esp);
    }
}

V1Switch(FlowopsParser(), FlowopsVerifyChecksum(), FlowopsIngress(), FlowopsEgress(),
         FlowopsComputeChecksum(), FlowopsDeparser()) main;
