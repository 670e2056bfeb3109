fn main() {
    let data = cascadia::io::snap_text::read_netinf(std::path::Path::new("../shared/fixtures/survival/netrate-demo-cascades.txt"), cascadia::io::snap_text::NetInfFormat::Auto).unwrap();
    let node: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let mut d2 = data.clone();
    let _ = &mut d2;
    let params = cascadia::survival::SurvivalParams { window: Some(10.0), ..Default::default() }.check().unwrap();
    let fit = cascadia::survival::fit(&data, &params, &cascadia::progress::NoProgress).unwrap();
    println!("{:?}", fit.nodes[node]);
}
