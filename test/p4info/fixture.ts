// A small P4Info in text format, written for the tests: a subset of the
// flowops pipeline (ids as in p4/README.md) plus one ternary table so the
// priority rules have something to bite on.
export const P4INFO_TEXT = `# flowops test pipeline
pkg_info {
  arch: "v1model"
}
tables {
  preamble {
    id: 0x02000201
    name: "ingress.src_service_v4"
    alias: "src_service_v4"
  }
  match_fields { id: 1 name: "tenant_id" bitwidth: 16 match_type: EXACT }
  match_fields {
    id: 2
    name: "src_addr"
    bitwidth: 32
    match_type: LPM
  }
  action_refs { id: 0x01000201 }
  action_refs { id: 0x01000002 }
  const_default_action_id: 0
  size: 4096
}
tables {
  preamble { id: 0x02000301 name: "ingress.flow_classify" alias: "flow_classify" }
  match_fields { id: 1 name: "tenant_id" bitwidth: 16 match_type: EXACT }
  match_fields { id: 2 name: "src_service" bitwidth: 16 match_type: EXACT }
  match_fields { id: 3 name: "dst_service" bitwidth: 16 match_type: EXACT }
  match_fields { id: 4 name: "ip_proto" bitwidth: 8 match_type: EXACT }
  match_fields { id: 5 name: "l4_dst_port" bitwidth: 16 match_type: EXACT }
  action_refs { id: 0x01000301 }
  action_refs { id: 0x01000001 scope: DEFAULT_ONLY }
  size: 1048576
}
tables {
  preamble { id: 0x02000401 name: "ingress.flow_policy" alias: "flow_policy" }
  match_fields { id: 1 name: "flow_id" bitwidth: 32 match_type: EXACT }
  action_refs { id: 0x01000401 }
  action_refs { id: 0x01000001 }
  direct_resource_ids: [0x13000401, 0x15000401]
  size: 65536
}
tables {
  preamble { id: 0x02000501 name: "ingress.nf_steer" alias: "nf_steer" }
  match_fields { id: 1 name: "flow_id" bitwidth: 32 match_type: EXACT }
  action_refs { id: 0x01000501 }
  action_refs { id: 21257015 scope: DEFAULT_ONLY annotations: "@defaultonly" }
  implementation_id: 0x11000501
  size: 1024
}
tables {
  preamble { id: 0x02000901 name: "ingress.acl" alias: "acl" }
  match_fields { id: 1 name: "dst_addr" bitwidth: 32 match_type: TERNARY }
  match_fields { id: 2 name: "l4_dst_port" bitwidth: 16 match_type: RANGE }
  match_fields { id: 3 name: "ingress_port" bitwidth: 9 match_type: OPTIONAL }
  action_refs { id: 0x01000001 }
  action_refs { id: 0x01000601 }
  size: 256
}
actions { preamble { id: 0x01000001 name: "ingress.drop" alias: "drop" } }
actions { preamble { id: 0x01000002 name: "ingress.no_match" alias: "no_match" } }
actions {
  preamble { id: 0x01000201 name: "ingress.set_src_service" alias: "set_src_service" }
  params { id: 1 name: "service_id" bitwidth: 16 }
}
actions {
  preamble { id: 0x01000301 name: "ingress.set_flow" alias: "set_flow" }
  params { id: 1 name: "flow_id" bitwidth: 32 }
}
actions {
  preamble { id: 0x01000401 name: "ingress.allow" alias: "allow" }
  params { id: 1 name: "qid" bitwidth: 5 }
}
actions {
  preamble { id: 0x01000501 name: "ingress.to_nf" alias: "to_nf" }
  params { id: 1 name: "port" bitwidth: 9 }
  params { id: 2 name: "dmac" bitwidth: 48 }
}
actions {
  preamble { id: 0x01000601 name: "ingress.forward" alias: "forward" }
  params { id: 1 name: "port" bitwidth: 9 }
  params { id: 2 name: "dmac" bitwidth: 48 }
}
actions { preamble { id: 21257015 name: "NoAction" alias: "NoAction" annotations: "@noWarn(\\"unused\\")" } }
action_profiles {
  preamble { id: 0x11000501 name: "ingress.nf_selector" alias: "nf_selector" }
  table_ids: 0x02000501
  with_selector: true
  size: 1024
  max_group_size: 16
}
direct_counters {
  preamble { id: 0x13000401 name: "ingress.flow_counter" alias: "flow_counter" }
  spec { unit: BOTH }
  direct_table_id: 0x02000401
}
direct_meters {
  preamble { id: 0x15000401 name: "ingress.flow_meter" alias: "flow_meter" }
  spec { unit: BYTES }
  direct_table_id: 0x02000401
}
`;
