//! Parquet and Arrow IPC in and out: the same events or cascades as CSV give the same output
//! files byte for byte, whatever the column encodings (text, integers, dictionaries,
//! timestamps); bad columnar input names its row and column; `--output x.parquet` holds the
//! CSV's values with types.

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema};
use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn cascadia() -> Command {
    Command::cargo_bin("cascadia").expect("binary built")
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-retweets.csv")
}

/// The sample's rows as (cascade, time, user, followers) text.
fn sample_rows() -> Vec<[String; 4]> {
    let mut rdr = csv::Reader::from_path(sample()).unwrap();
    let h: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let at = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (c, t, u, f) = (at("cascade_id"), at("time"), at("user_id"), at("followers"));
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            [&r[c], &r[t], &r[u], &r[f]].map(str::to_string)
        })
        .collect()
}

fn write_parquet(path: &Path, batch: &RecordBatch) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), None).unwrap();
    // Several row groups and batches: the reader's batch boundaries fall inside cascades.
    for start in (0..batch.num_rows()).step_by(97) {
        let n = 97.min(batch.num_rows() - start);
        w.write(&batch.slice(start, n)).unwrap();
        w.flush().unwrap();
    }
    w.close().unwrap();
}

fn write_arrow_file(path: &Path, batch: &RecordBatch) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = arrow_ipc::writer::FileWriter::try_new(f, &batch.schema()).unwrap();
    w.write(batch).unwrap();
    w.finish().unwrap();
}

fn write_arrow_stream(path: &Path, batch: &RecordBatch) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = arrow_ipc::writer::StreamWriter::try_new(f, &batch.schema()).unwrap();
    for start in (0..batch.num_rows()).step_by(50) {
        w.write(&batch.slice(start, 50.min(batch.num_rows() - start)))
            .unwrap();
    }
    w.finish().unwrap();
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap()
}

/// Runs `influence` on `input` and returns (tweets, users) text.
fn influence(input: &Path, dir: &Path, extra: &[&str]) -> (String, String) {
    let t = dir.join("tweets.csv");
    let u = dir.join("users.csv");
    cascadia()
        .args(["influence", "-q", "--input"])
        .arg(input)
        .arg("--output")
        .arg(&t)
        .arg("--users-output")
        .arg(&u)
        .args(extra)
        .assert()
        .success();
    (
        std::fs::read_to_string(t).unwrap(),
        std::fs::read_to_string(u).unwrap(),
    )
}

#[test]
fn parquet_and_arrow_events_give_the_csv_outputs_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let expected = influence(&sample(), dir.path(), &[]);
    let rows = sample_rows();
    let text = |k: usize| -> ArrayRef {
        Arc::new(StringArray::from(
            rows.iter().map(|r| r[k].clone()).collect::<Vec<_>>(),
        ))
    };
    let ints = |k: usize| -> ArrayRef {
        Arc::new(Int64Array::from(
            rows.iter()
                .map(|r| r[k].parse::<i64>().unwrap())
                .collect::<Vec<_>>(),
        ))
    };
    let floats = |k: usize| -> ArrayRef {
        Arc::new(Float64Array::from(
            rows.iter()
                .map(|r| r[k].parse::<f64>().unwrap())
                .collect::<Vec<_>>(),
        ))
    };
    let mut dict = StringDictionaryBuilder::<Int32Type>::new();
    for r in &rows {
        dict.append_value(&r[2]);
    }
    let dict: ArrayRef = Arc::new(dict.finish());
    // Text ids, integer times and counts (as pyarrow reads the CSV).
    let plain = batch(vec![
        ("cascade_id", text(0)),
        ("time", ints(1)),
        ("user_id", text(2)),
        ("followers", ints(3)),
    ]);
    // Dictionary user ids, float times, columns in another order and an extra column.
    let encoded = batch(vec![
        ("followers", floats(3)),
        ("extra", text(0)),
        ("USER_ID", dict),
        ("time", floats(1)),
        ("cascade_id", text(0)),
    ]);
    for (name, b) in [("plain", &plain), ("encoded", &encoded)] {
        let pq = dir.path().join(format!("{name}.parquet"));
        write_parquet(&pq, b);
        assert_eq!(influence(&pq, dir.path(), &[]), expected, "{name} parquet");
        let file = dir.path().join(format!("{name}.arrow"));
        write_arrow_file(&file, b);
        assert_eq!(influence(&file, dir.path(), &[]), expected, "{name} arrow");
        let stream = dir.path().join(format!("{name}.arrows"));
        write_arrow_stream(&stream, b);
        assert_eq!(
            influence(&stream, dir.path(), &[]),
            expected,
            "{name} stream"
        );
    }
    // An explicit --format overrides the extension.
    let odd = dir.path().join("events.bin");
    write_parquet(&odd, &plain);
    assert_eq!(
        influence(&odd, dir.path(), &["--format", "parquet"]),
        expected
    );
}

#[test]
fn integer_user_ids_and_timestamps_read_as_their_csv_text() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("e.csv");
    std::fs::write(
        &csv,
        "cascade_id,time,user_id,followers\n\
         1,2016-09-27T01:00:00Z,7,10\n1,2016-09-27T01:00:00.250Z,8,3\n1,2016-09-27T01:01:00Z,9,0\n\
         2,2016-09-27T02:00:00Z,8,5\n2,2016-09-27T02:00:01.5Z,7,1\n",
    )
    .unwrap();
    let expected = influence(&csv, dir.path(), &[]);
    let ms = [
        1474938000000i64,
        1474938000250,
        1474938060000,
        1474941600000,
        1474941601500,
    ];
    let b = batch(vec![
        (
            "cascade_id",
            Arc::new(Int64Array::from(vec![1, 1, 1, 2, 2])),
        ),
        (
            "time",
            Arc::new(TimestampMillisecondArray::from(ms.to_vec()).with_timezone("UTC")),
        ),
        ("user_id", Arc::new(Int64Array::from(vec![7, 8, 9, 8, 7]))),
        (
            "followers",
            Arc::new(Int64Array::from(vec![10, 3, 0, 5, 1])),
        ),
    ]);
    let pq = dir.path().join("e.parquet");
    write_parquet(&pq, &b);
    assert_eq!(influence(&pq, dir.path(), &[]), expected);
}

fn fails_with(input: &Path, extra: &[&str], needles: &[&str]) {
    let out = cascadia()
        .args(["influence", "-q", "--input"])
        .arg(input)
        .arg("--output")
        .arg(input.with_extension("out.csv"))
        .args(extra)
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err}");
    }
    assert!(
        !input.with_extension("out.csv").exists(),
        "no partial output"
    );
}

#[test]
fn bad_columnar_input_is_located_by_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["a", "a", "b"]));
    let users: ArrayRef = Arc::new(StringArray::from(vec!["u", "v", "w"]));
    let times: ArrayRef = Arc::new(Float64Array::from(vec![0.0, 1.0, 2.0]));
    // A null follower count on the second row.
    let nulls = batch(vec![
        ("cascade_id", ids.clone()),
        ("time", times.clone()),
        ("user_id", users.clone()),
        (
            "followers",
            Arc::new(Float64Array::from(vec![Some(1.0), None, Some(2.0)])),
        ),
    ]);
    let p = dir.path().join("nulls.parquet");
    write_parquet(&p, &nulls);
    fails_with(&p, &[], &["nulls.parquet: row 2", "followers", "null"]);
    // A negative time on row 3.
    let negative = batch(vec![
        ("cascade_id", ids.clone()),
        (
            "time",
            Arc::new(Float64Array::from(vec![0.0, 1.0, -2.0])) as ArrayRef,
        ),
        ("user_id", users.clone()),
        ("followers", times.clone()),
    ]);
    let p = dir.path().join("negative.arrow");
    write_arrow_file(&p, &negative);
    fails_with(
        &p,
        &[],
        &["negative.arrow: row 3", "`time`", "negative time"],
    );
    // ... which --skip-invalid reports and drops (exit code 1: rows were skipped).
    let out = cascadia()
        .args(["influence", "--skip-invalid", "--input"])
        .arg(&p)
        .arg("--output")
        .arg(dir.path().join("skipped.csv"))
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out).unwrap().contains("row 3"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("skipped.csv"))
            .unwrap()
            .lines()
            .count(),
        3,
        "header and the two valid rows"
    );
    // A missing column, and a column of the wrong type.
    let missing = batch(vec![
        ("cascade_id", ids.clone()),
        ("time", times.clone()),
        ("user_id", users.clone()),
    ]);
    let p = dir.path().join("missing.parquet");
    write_parquet(&p, &missing);
    fails_with(
        &p,
        &[],
        &["missing column `followers`", "cascade_id,time,user_id"],
    );
    let typed = batch(vec![
        ("cascade_id", ids.clone()),
        ("time", times.clone()),
        ("user_id", times.clone()),
        ("followers", times.clone()),
    ]);
    let p = dir.path().join("typed.parquet");
    write_parquet(&p, &typed);
    fails_with(&p, &[], &["`user_id`", "Float64", "an id"]);
    // A cascade that comes back after another: an error, unless --group.
    let back = batch(vec![
        (
            "cascade_id",
            Arc::new(StringArray::from(vec!["a", "b", "a"])) as ArrayRef,
        ),
        ("time", times.clone()),
        ("user_id", users.clone()),
        ("followers", times.clone()),
    ]);
    let p = dir.path().join("back.parquet");
    write_parquet(&p, &back);
    fails_with(&p, &[], &["back.parquet: row 3", "reappears"]);
    let (tweets, _) = influence(&p, dir.path(), &["--group"]);
    assert_eq!(tweets.lines().count(), 4);
    // Not Parquet at all.
    let p = dir.path().join("text.parquet");
    std::fs::write(&p, "cascade_id,time,user_id,followers\na,0,u,1\n").unwrap();
    fails_with(&p, &[], &["text.parquet", "malformed Parquet/Arrow"]);
}

#[test]
fn parquet_and_arrow_outputs_hold_the_csv_values_with_types() {
    let dir = tempfile::tempdir().unwrap();
    let (tweets_csv, users_csv) = influence(&sample(), dir.path(), &[]);
    let t = dir.path().join("t.parquet");
    let u = dir.path().join("u.arrow");
    cascadia()
        .args(["influence", "-q", "--input"])
        .arg(sample())
        .arg("--output")
        .arg(&t)
        .arg("--users-output")
        .arg(&u)
        .assert()
        .success();
    let read_parquet = |p: &Path| -> Vec<RecordBatch> {
        let f = std::fs::File::open(p).unwrap();
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let read_arrow = |p: &Path| -> Vec<RecordBatch> {
        let f = std::fs::File::open(p).unwrap();
        arrow_ipc::reader::FileReader::try_new(f, None)
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for (batches, csv_text, types) in [
        (
            read_parquet(&t),
            &tweets_csv,
            vec![
                DataType::Utf8,
                DataType::Int64,
                DataType::Utf8,
                DataType::Float64,
                DataType::Float64,
                DataType::Int64,
            ],
        ),
        (
            read_arrow(&u),
            &users_csv,
            vec![
                DataType::Utf8,
                DataType::Int64,
                DataType::Int64,
                DataType::Float64,
                DataType::Float64,
            ],
        ),
    ] {
        let schema = batches[0].schema();
        let got: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
        assert_eq!(got, types.iter().collect::<Vec<_>>());
        let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
        let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
        let names: Vec<&String> = schema.fields().iter().map(|f| f.name()).collect();
        assert_eq!(names, header.iter().collect::<Vec<_>>());
        let records: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        let mut row = 0;
        for b in &batches {
            for i in 0..b.num_rows() {
                for (c, col) in b.columns().iter().enumerate() {
                    let want = &records[row][c];
                    match col.data_type() {
                        DataType::Utf8 => {
                            let s = col.as_any().downcast_ref::<StringArray>().unwrap();
                            assert_eq!(s.value(i), want);
                        }
                        DataType::Int64 => {
                            let s = col.as_any().downcast_ref::<Int64Array>().unwrap();
                            assert_eq!(s.value(i), want.parse::<i64>().unwrap());
                        }
                        _ => {
                            let s = col.as_any().downcast_ref::<Float64Array>().unwrap();
                            assert_eq!(
                                s.value(i).to_bits(),
                                want.parse::<f64>().unwrap().to_bits()
                            );
                        }
                    }
                }
                row += 1;
            }
        }
        assert_eq!(row, records.len());
    }
}

#[test]
fn netinf_reads_parquet_cascades_and_writes_parquet_edges() {
    let dir = tempfile::tempdir().unwrap();
    let snap = crate::util::shared_dir().join("fixtures/netinf/kcp1024-exp-cascades.txt");
    let data =
        cascadia::io::snap_text::read_netinf(&snap, cascadia::io::snap_text::NetInfFormat::Snap)
            .unwrap();
    // The long table, cascades shuffled into interleaved rows (the CSV reader allows it).
    let (mut c, mut n, mut t) = (Vec::new(), Vec::new(), Vec::new());
    for (k, cas) in data.cascades.iter().enumerate() {
        for (i, &u) in cas.users.iter().enumerate() {
            c.push(format!("c{k}"));
            n.push(data.nodes.name(u).to_string());
            t.push(cas.times[i]);
        }
    }
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by_key(|&i| (i * 7919) % c.len());
    let mut csv_text = String::from("cascade_id,node,time\n");
    for &i in &order {
        csv_text.push_str(&format!("{},{},{}\n", c[i], n[i], t[i]));
    }
    let csv = dir.path().join("c.csv");
    std::fs::write(&csv, csv_text).unwrap();
    let pick = |v: &Vec<String>| -> ArrayRef {
        Arc::new(StringArray::from(
            order.iter().map(|&i| v[i].clone()).collect::<Vec<_>>(),
        ))
    };
    let b = batch(vec![
        ("cascade_id", pick(&c)),
        ("node", pick(&n)),
        (
            "time",
            Arc::new(Float64Array::from(
                order.iter().map(|&i| t[i]).collect::<Vec<_>>(),
            )),
        ),
    ]);
    let pq = dir.path().join("c.parquet");
    write_parquet(&pq, &b);
    let run = |input: &Path, out: &str| {
        cascadia()
            .args(["netinf", "-q", "--edges", "60", "--input"])
            .arg(input)
            .arg("--output")
            .arg(dir.path().join(out))
            .assert()
            .success();
    };
    run(&csv, "from-csv.csv");
    run(&pq, "from-parquet.csv");
    let a = std::fs::read(dir.path().join("from-csv.csv")).unwrap();
    assert_eq!(
        a,
        std::fs::read(dir.path().join("from-parquet.csv")).unwrap()
    );
    assert_eq!(a.iter().filter(|&&b| b == b'\n').count(), 61);
    run(&pq, "edges.parquet");
    let f = std::fs::File::open(dir.path().join("edges.parquet")).unwrap();
    let rows: usize = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
    assert_eq!(rows, 60);
}

/// CSV as pyarrow and pandas write it — every header name and id quoted — is detected and read
/// as the plain CSV (a bug the Python benchmark found: detection compared the quoted names).
#[test]
fn quoted_csv_headers_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.csv");
    std::fs::write(
        &plain,
        "cascade_id,time,user_id,followers\nc0,10,u1,40\nc0,20,u2,3\n",
    )
    .unwrap();
    let quoted = dir.path().join("quoted.csv");
    std::fs::write(
        &quoted,
        "\"cascade_id\",\"time\",\"user_id\",\"followers\"\n\"c0\",10,\"u1\",40\n\"c0\",20,\"u2\",3\n",
    )
    .unwrap();
    assert_eq!(
        influence(&quoted, dir.path(), &[]),
        influence(&plain, dir.path(), &[])
    );
    let netinf = dir.path().join("n.csv");
    std::fs::write(
        &netinf,
        "\"cascade_id\",\"node\",\"time\"\n\"0\",\"a\",0\n\"0\",\"b\",1\n\"1\",\"a\",0\n\"1\",\"b\",2\n",
    )
    .unwrap();
    cascadia()
        .args(["netinf", "-q", "--edges", "1", "--input"])
        .arg(&netinf)
        .arg("--output")
        .arg(dir.path().join("e.csv"))
        .assert()
        .success();
    let edges = std::fs::read_to_string(dir.path().join("e.csv")).unwrap();
    assert!(
        edges.lines().nth(1).unwrap().starts_with("1,a,b,"),
        "{edges}"
    );
}
