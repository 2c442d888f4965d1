package store

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

type accountRecord struct {
	Email     string    `json:"email,omitempty"`
	Company   string    `json:"company,omitempty"`
	Store     string    `json:"store,omitempty"`
	Contact   string    `json:"contact,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Account is the workspace's profile.
type Account struct {
	Email, Company, Store, Contact string
	UpdatedAt                      time.Time
}

// Account returns the profile (zero fields when never set).
func (d *DB) Account() (Account, error) {
	var r accountRecord
	err := d.view(func(tx *bolt.Tx) error {
		err := getJSON(tx.Bucket(bucketAccount), keyProfile, &r)
		if IsNotFound(err) {
			return nil
		}
		return err
	})
	return Account(r), err
}

// UpdateAccount applies fn to the profile and saves it.
func (d *DB) UpdateAccount(fn func(*Account)) (Account, error) {
	var out Account
	err := d.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccount)
		var r accountRecord
		if err := getJSON(b, keyProfile, &r); err != nil && !IsNotFound(err) {
			return err
		}
		a := Account(r)
		fn(&a)
		a.UpdatedAt = d.opts.Now().UTC()
		out = a
		return putJSON(b, keyProfile, accountRecord(a))
	})
	return out, err
}

// DeleteAccount clears the profile (privacy purge --account).
func (d *DB) DeleteAccount() error {
	return d.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAccount).Delete(keyProfile)
	})
}
