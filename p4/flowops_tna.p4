/*
 * flowops data plane for Tofino (TNA), compiled with bf-p4c
 * (use --p4runtime-force-std-externs so the P4Info holds standard
 * action_profiles / direct_counters / direct_meters, as Stratum expects).
 *
 * Same P4Runtime names and ids as flowops_v1model.p4. Tables and actions carry
 * full ids (their prefixes are standard in both compilers). bf-p4c ignores @id
 * on TNA externs and derives their ids from the name, so the externs carry no
 * @id here and flowops_v1model.p4 pins those derived ids instead.
 * Sizes fit Tofino-1 (11 of 12 ingress stages); bf-p4c's figures are in README.md.
 */
#include <core.p4>
#include <tna.p4>
#include "include/headers.p4"

/* TNA's colour encoding for meter results: 0 green, 1 yellow, 3 red. */
const bit<8> METER_COLOR_RED = 3;

parser FlowopsIngressParser(packet_in pkt, out headers_t hdr, out metadata_t meta,
                            out ingress_intrinsic_metadata_t ig_intr_md) {
    state start {
        pkt.extract(ig_intr_md);
        pkt.advance(PORT_METADATA_SIZE);
        /* Tofino does not zero metadata: every field a table reads starts here. */
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

control FlowopsIngress(inout headers_t hdr, inout metadata_t meta,
                       in ingress_intrinsic_metadata_t ig_intr_md,
                       in ingress_intrinsic_metadata_from_parser_t ig_prsr_md,
                       inout ingress_intrinsic_metadata_for_deparser_t ig_dprsr_md,
                       inout ingress_intrinsic_metadata_for_tm_t ig_tm_md) {

    @name(".ingress.flow_counter")
    DirectCounter<bit<32>>(CounterType_t.PACKETS_AND_BYTES) flow_counter;

    @name(".ingress.flow_meter")
    DirectMeter(MeterType_t.BYTES) flow_meter;

    /* The standard P4Info shows the action profile (members) under the
       selector's name; the selector itself (groups) is folded into it. */
    Hash<bit<16>>(HashAlgorithm_t.CRC16) nf_hash;

    @name(".ingress.nf_selector")
    ActionProfile(4096) nf_members;

    @name(".ingress.nf_selector_groups")
    ActionSelector(nf_members, nf_hash, SelectorMode_t.FAIR, 64, 1024) nf_selector;

    @name(".ingress.drop") @id(0x01000001)
    action drop() {
        meta.drop = 1;
        ig_dprsr_md.drop_ctl = 1;
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

    /* Direct resources are driven from the action on Tofino; `drop` is shared
       with other tables and so cannot touch them: policy entries whose action
       is drop are not counted here (BMv2 counts every hit). */
    @name(".ingress.allow") @id(0x01000401)
    action allow(bit<5> qid) {
        ig_tm_md.qid = qid;
        meta.qid = qid;
        meta.color = flow_meter.execute();
        flow_counter.count();
    }

    @name(".ingress.to_nf") @id(0x01000501)
    action to_nf(bit<9> port, bit<48> dmac) {
        ig_tm_md.ucast_egress_port = port;
        hdr.ethernet.dst_addr = dmac;
    }

    @name(".ingress.forward") @id(0x01000601)
    action forward(bit<9> port, bit<48> dmac) {
        meta.routed = 1;
        ig_tm_md.ucast_egress_port = port;
        hdr.ethernet.dst_addr = dmac;
    }

    @name(".ingress.tenant_classify") @id(0x02000101)
    table tenant_classify {
        key = {
            ig_intr_md.ingress_port: exact @name("ingress_port");
            meta.vlan_id: exact @name("vlan_id");
        }
        actions = {
            set_tenant;
            drop;
        }
        default_action = drop();
        size = 4096;
    }

    @name(".ingress.tenant_classify_vni") @id(0x02000102)
    table tenant_classify_vni {
        key = {
            ig_intr_md.ingress_port: exact @name("ingress_port");
            hdr.vxlan.vni: exact @name("vni");
        }
        actions = {
            set_tenant;
            drop;
        }
        default_action = drop();
        size = 4096;
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
        size = 4096;
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
        size = 4096;
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
        size = 1024;
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
        size = 1024;
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
        size = 262144;
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
        size = 4096;
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
        size = 65536;
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
        size = 16384;
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
        size = 4096;
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
        size = 1024;
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
        /* Egress meters the tenant's aggregate rate (bridged tenant id). */
        hdr.bridge.setValid();
        hdr.bridge.tenant_id = meta.tenant_id;
    }
}

control FlowopsIngressDeparser(packet_out pkt, inout headers_t hdr, in metadata_t meta,
                               in ingress_intrinsic_metadata_for_deparser_t ig_dprsr_md) {
    apply {
        pkt.emit(hdr);
    }
}

struct egress_headers_t {
    bridge_h bridge;
}

struct egress_metadata_t {
    bit<8> color;
}

/* Egress parses only the bridged tenant id; the packet passes through as payload. */
parser FlowopsEgressParser(packet_in pkt, out egress_headers_t hdr, out egress_metadata_t meta,
                           out egress_intrinsic_metadata_t eg_intr_md) {
    state start {
        pkt.extract(eg_intr_md);
        pkt.extract(hdr.bridge);
        meta.color = 0;
        transition accept;
    }
}

/* Per-tenant aggregate rate: one direct-metered entry per tenant with a
   rate; red drops. In egress, whose stages the ingress pipeline leaves free. */
control FlowopsEgress(inout egress_headers_t hdr, inout egress_metadata_t meta,
                      in egress_intrinsic_metadata_t eg_intr_md,
                      in egress_intrinsic_metadata_from_parser_t eg_prsr_md,
                      inout egress_intrinsic_metadata_for_deparser_t eg_dprsr_md,
                      inout egress_intrinsic_metadata_for_output_port_t eg_oport_md) {

    @name(".egress.tenant_meter")
    DirectMeter(MeterType_t.BYTES) tenant_meter;

    @name(".egress.police") @id(0x01000701)
    action police() {
        meta.color = tenant_meter.execute();
    }

    @name(".egress.tenant_rate") @id(0x02000701)
    table tenant_rate {
        key = {
            hdr.bridge.tenant_id: exact @name("tenant_id");
        }
        actions = {
            police;
            @defaultonly NoAction;
        }
        default_action = NoAction();
        meters = tenant_meter;
        size = 4096;
    }

    apply {
        tenant_rate.apply();
        if (meta.color == METER_COLOR_RED) {
            eg_dprsr_md.drop_ctl = 1;
        }
        hdr.bridge.setInvalid();
    }
}

control FlowopsEgressDeparser(packet_out pkt, inout egress_headers_t hdr, in egress_metadata_t meta,
                              in egress_intrinsic_metadata_for_deparser_t eg_dprsr_md) {
    apply {
        pkt.emit(hdr);
    }
}

Pipeline(FlowopsIngressParser(), FlowopsIngress(), FlowopsIngressDeparser(),
         FlowopsEgressParser(), FlowopsEgress(), FlowopsEgressDeparser()) pipe;

Switch(pipe) main;
