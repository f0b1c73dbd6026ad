-- What the Flask system's clients send and read that Qhitz had no place for: a patient's state and
-- country, a treatment's notes, and a treatment's time of day. treatment_date becomes a timestamp
-- without time zone: it is the practice's wall-clock time (read and shown in PRACTICE_TIME_ZONE), so
-- every existing date converts to that day's midnight exactly, whatever zone the practice is in.
alter table patients
  add column state   text check (length(state) <= 100),
  add column country text check (length(country) <= 100);

alter table treatments
  add column notes text check (length(notes) <= 5000),
  alter column treatment_date drop default,
  alter column treatment_date type timestamp(0) using treatment_date::timestamp(0);
